# CMake generated Testfile for 
# Source directory: /work/main/mta/log
# Build directory: /work/main/build/mta/log
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/mta/log/log_test[1]_include.cmake")
