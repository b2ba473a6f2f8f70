# Fake MX hosts, the scenario runner and the fakemx binary (included from CMakeLists.txt).
add_library(mxlab_fakemx STATIC
  ${CMAKE_CURRENT_LIST_DIR}/behaviour.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mx_host.cpp)
target_link_libraries(mxlab_fakemx PUBLIC mxlab_server mxlab_fakedns mxlab_common Boost::headers Threads::Threads)
