# CMake generated Testfile for 
# Source directory: /work/main/mta/admin
# Build directory: /work/main/build/mta/admin
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/mta/admin/admin_test[1]_include.cmake")
