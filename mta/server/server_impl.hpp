// SmtpServer's private state, shared by the listener (smtp_server.cpp) and the session template
// (session.hpp). One io_context thread owns it; the counters are read from other threads.
#pragma once
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <string>
#include <mutex>
#include <set>

#include "mta/server/smtp_server.hpp"

namespace mxlab::server {

struct SmtpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io, ServerOptions o, MessageHandler& h, SessionPolicy* p, trace::TraceSink* t)
      : io(io), options(std::move(o)), handler(h), policy(p), trace(t ? *t : trace::NullTraceSink::instance()),
        acceptor(io) {}

  boost::asio::io_context& io;
  ServerOptions options;
  MessageHandler& handler;
  SessionPolicy* policy;
  trace::TraceSink& trace;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::ip::tcp::endpoint listening;  // the bound address and port, set by listen()
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets;  // open sessions, for stop()
  std::map<std::string, std::size_t> per_ip;                        // open sessions by peer address

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(std::shared_ptr<boost::asio::ip::tcp::socket> socket,
                                      boost::asio::ip::tcp::endpoint peer);
};

}  // namespace mxlab::server
