# CMake generated Testfile for 
# Source directory: /work/main/sim/fake_mx
# Build directory: /work/main/build/sim/fake_mx
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/sim/fake_mx/fakemx_test[1]_include.cmake")
subdirs("dns")
