# CMake generated Testfile for 
# Source directory: /work/main/mta
# Build directory: /work/main/build/mta
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("common")
subdirs("protocol")
subdirs("config")
subdirs("log")
subdirs("spool")
subdirs("dns")
subdirs("trace")
subdirs("delivery")
subdirs("queue")
subdirs("server")
subdirs("admin")
subdirs("core")
