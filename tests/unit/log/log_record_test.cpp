// Delivery log records: golden JSON lines in KumoMTA's shape, one per record type that matters.
#include "mta/log/log_record.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::log;

namespace {

TimePoint at_s(long long s) { return TimePoint{std::chrono::seconds{s}}; }

LogRecord delivery() {
  LogRecord r;
  r.type = RecordType::Delivery;
  r.id = "0a1b2c3d";
  r.envelope_id = "0a1b2c3d00000001";
  r.sender = "alice@example.org";
  r.recipient = "bob@example.com";
  r.queue = "example.com";
  r.site = "mx1.example.com";
  r.size = 1234;
  r.response = {250, smtp::EnhancedCode{2, 0, 0}, "ok queued as 42", "."};
  r.peer_address = {"mx1.example.com", "127.0.0.2"};
  r.timestamp = at_s(1700000060) + std::chrono::milliseconds(999);  // truncated to seconds
  r.created = at_s(1700000000);
  r.num_attempts = 1;
  r.delivery_protocol = "ESMTP";
  r.meta = {{"tenant", "t1"}};
  r.egress_source = "unspecified";
  r.headers = {{"Message-ID", "<m1@example.org>"}};
  r.delays = Delays{std::chrono::milliseconds(80), std::chrono::milliseconds(1500), std::chrono::milliseconds(20),
                    std::chrono::milliseconds(5)};
  return r;
}

TEST(LogRecord, DeliveryGolden) {
  EXPECT_EQ(delivery().to_json(),
            R"({"type":"Delivery","id":"0a1b2c3d","envelope_id":"0a1b2c3d00000001",)"
            R"("sender":"alice@example.org","recipient":"bob@example.com","queue":"example.com",)"
            R"("site":"mx1.example.com","size":1234,"response":{"code":250,)"
            R"("enhanced_code":{"class":2,"subject":0,"detail":0},"content":"ok queued as 42","command":"."},)"
            R"("peer_address":{"name":"mx1.example.com","addr":"127.0.0.2"},"timestamp":1700000060,)"
            R"("created":1700000000,"num_attempts":1,"delivery_protocol":"ESMTP","meta":{"tenant":"t1"},)"
            R"("bounce_classification":"Uncategorized","egress_source":"unspecified",)"
            R"("headers":{"Message-ID":"<m1@example.org>"},)"
            R"("delays":{"before_queue":8E-2,"in_queue":1.5E0,"connection_setup":2E-2,"transmission":5E-3}})");
}

TEST(LogRecord, ReceptionGoldenHasNullsForAbsentParts) {
  LogRecord r;
  r.type = RecordType::Reception;
  r.id = "0a1b2c3d";
  r.sender = "";
  r.recipient = "bob@example.com";
  r.size = 10;
  r.response = {250, std::nullopt, "ok", ""};
  r.timestamp = r.created = at_s(1700000000);
  r.reception_protocol = "ESMTP";
  EXPECT_EQ(r.to_json(),
            R"({"type":"Reception","id":"0a1b2c3d","sender":"","recipient":"bob@example.com",)"
            R"("queue":"","site":"","size":10,"response":{"code":250,"enhanced_code":null,)"
            R"("content":"ok","command":null},"peer_address":null,"timestamp":1700000000,)"
            R"("created":1700000000,"num_attempts":0,"reception_protocol":"ESMTP","meta":{},)"
            R"("bounce_classification":"Uncategorized","headers":{}})");
}

TEST(LogRecord, EscapesQuotesAndControlCharacters) {
  LogRecord r = delivery();
  r.response.content = "say \"hi\"\nbye";
  EXPECT_NE(r.to_json().find(R"("content":"say \"hi\"\nbye")"), std::string::npos) << r.to_json();
}

TEST(RecordType, NamesMatchKumoMta) {
  const std::vector<std::pair<RecordType, std::string>> cases = {
      {RecordType::Reception, "Reception"},   {RecordType::Delivery, "Delivery"},
      {RecordType::TransientFailure, "TransientFailure"}, {RecordType::Bounce, "Bounce"},
      {RecordType::Expiration, "Expiration"}, {RecordType::AdminBounce, "AdminBounce"},
      {RecordType::Rejection, "Rejection"},
  };
  for (const auto& [type, name] : cases) EXPECT_EQ(to_string(type), name);
}

}  // namespace

TEST(LogRecord, MessageIdAndDelaysInSeconds) {
  LogRecord r = delivery();
  r.headers["Message-ID"] = "<m1@example.org>";
  r.delays = Delays{std::chrono::milliseconds(0), std::chrono::milliseconds(1500), std::chrono::milliseconds(12),
                    std::chrono::milliseconds(250)};
  const std::string json = r.to_json();
  EXPECT_NE(json.find(R"("headers":{"Message-ID":"<m1@example.org>"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("delays":{"before_queue":0E0,"in_queue":1.5E0,"connection_setup":1.2E-2,)"
                      R"("transmission":2.5E-1})"),
            std::string::npos)
      << json;
}
