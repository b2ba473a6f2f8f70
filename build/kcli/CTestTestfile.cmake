# CMake generated Testfile for 
# Source directory: /work/main/kcli
# Build directory: /work/main/build/kcli
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/kcli/kcli_test[1]_include.cmake")
