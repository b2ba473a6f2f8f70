# CMake generated Testfile for 
# Source directory: /work/main/mta/queue
# Build directory: /work/main/build/mta/queue
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
