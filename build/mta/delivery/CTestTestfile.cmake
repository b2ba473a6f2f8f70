# CMake generated Testfile for 
# Source directory: /work/main/mta/delivery
# Build directory: /work/main/build/mta/delivery
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
