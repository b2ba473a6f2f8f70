# Fake MX hosts, the scenario runner and the fakemx binary (included from CMakeLists.txt).
add_library(mxlab_fakemx STATIC
  ${CMAKE_CURRENT_LIST_DIR}/address_match.cpp
  ${CMAKE_CURRENT_LIST_DIR}/behaviour.cpp
  ${CMAKE_CURRENT_LIST_DIR}/greylist.cpp
  ${CMAKE_CURRENT_LIST_DIR}/recorder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/recording_level.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mx_host.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario_expect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario_runner.cpp)
target_link_libraries(mxlab_fakemx PUBLIC mxlab_core mxlab_server mxlab_delivery mxlab_fakedns mxlab_config
                      mxlab_common Boost::headers Boost::json Threads::Threads PRIVATE yaml-cpp kcli_lib)

# The HTTP control API (Beast) apart, so the host library stays quick to build.
add_library(mxlab_fakemx_control STATIC ${CMAKE_CURRENT_LIST_DIR}/control_routes.cpp
                                        ${CMAKE_CURRENT_LIST_DIR}/control_api.cpp)
target_link_libraries(mxlab_fakemx_control PUBLIC mxlab_fakemx mxlab_admin Boost::headers Boost::json
                      PRIVATE yaml-cpp)

add_executable(fakemx ${CMAKE_CURRENT_LIST_DIR}/fakemx_main.cpp)
target_link_libraries(fakemx PRIVATE mxlab_fakemx mxlab_fakemx_control mxlab_fakemx_blast CLI11::CLI11 spdlog::spdlog)

mxlab_test(fakemx_test SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/mx_host_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/client_protocol_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/behaviour_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/scenario_schema_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/scenario_expect_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/control_routes_test.cpp
                               ${CMAKE_SOURCE_DIR}/tests/unit/fakemx/recorder_test.cpp
           LIBS mxlab_fakemx mxlab_fakemx_control mxlab_delivery)
