# CMake generated Testfile for 
# Source directory: /work/main/mta/spool
# Build directory: /work/main/build/mta/spool
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/mta/spool/spool_test[1]_include.cmake")
