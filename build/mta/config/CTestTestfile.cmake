# CMake generated Testfile for 
# Source directory: /work/main/mta/config
# Build directory: /work/main/build/mta/config
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/mta/config/config_test[1]_include.cmake")
