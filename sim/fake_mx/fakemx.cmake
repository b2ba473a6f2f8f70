# Fake MX hosts, the scenario runner and the fakemx binary (included from CMakeLists.txt).
add_library(mxlab_fakemx STATIC
  ${CMAKE_CURRENT_LIST_DIR}/behaviour.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mx_host.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario_runner.cpp)
target_link_libraries(mxlab_fakemx PUBLIC mxlab_core mxlab_server mxlab_delivery mxlab_fakedns mxlab_config
                      mxlab_common Boost::headers Threads::Threads PRIVATE yaml-cpp)

add_executable(fakemx ${CMAKE_CURRENT_LIST_DIR}/fakemx_main.cpp)
target_link_libraries(fakemx PRIVATE mxlab_fakemx CLI11::CLI11 spdlog::spdlog)

mxlab_test(fakemx_test SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/mx_host_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/client_protocol_test.cpp
           LIBS mxlab_fakemx mxlab_delivery)
