# CMake generated Testfile for 
# Source directory: /work/main/bindings
# Build directory: /work/main/build/bindings
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
