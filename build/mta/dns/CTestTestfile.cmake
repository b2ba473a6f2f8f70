# CMake generated Testfile for 
# Source directory: /work/main/mta/dns
# Build directory: /work/main/build/mta/dns
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/mta/dns/dns_message_test[1]_include.cmake")
