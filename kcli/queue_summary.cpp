// queue-summary: reads ready_count, connection_count, total_messages_delivered and
// total_messages_transfail (label service = "<protocol>:<ready queue>") and scheduled_count
// (label queue) from /metrics.json; see mta/common/metric_names.hpp for the publishing side.
#include "kcli/queue_summary.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <iostream>
#include <map>

#include "kcli/api_client.hpp"
#include "kcli/commands.hpp"
#include "kcli/tabulate.hpp"
#include "mta/common/metric_names.hpp"

namespace mxlab::kcli {

namespace {
constexpr std::string_view kSuspendedMark = "\xF0\x9F\x9B\x91";             // U+1F6D1 stop sign
constexpr std::string_view kBouncedMark = "\xF0\x9F\x97\x91\xEF\xB8\x8F";  // U+1F5D1 wastebasket

// Ready queue "source->site@protocol"; source and protocol may be absent.
struct ReadyRow {
  std::string name;
  std::uint64_t delivered = 0, transfail = 0, connections = 0, ready = 0;

  std::string_view source() const {
    auto arrow = name.find("->");
    return arrow == std::string::npos ? std::string_view() : std::string_view(name).substr(0, arrow);
  }
  std::string_view protocol() const {
    std::string_view n = name;
    if (n.ends_with("@smtp_client")) return "smtp_client";
    for (std::string_view tag : {"@lua:", "@maildir:"}) {
      if (auto at = n.rfind(tag); at != std::string_view::npos) return n.substr(at + 1);
    }
    return {};
  }
  std::string_view site() const {
    auto arrow = name.find("->");
    std::size_t skip = arrow == std::string::npos ? 0 : arrow + 2;
    auto proto = protocol();
    std::size_t cut = proto.empty() ? 0 : proto.size() + 1;
    return std::string_view(name).substr(skip, name.size() - skip - cut);
  }
  std::uint64_t volume() const { return delivered + transfail + connections + ready; }
};

struct ScheduledRow {
  std::string name;
  std::uint64_t count = 0;
  std::uint64_t volume() const { return count; }
};

std::uint64_t count_of(const boost::json::value& v) {
  double d = v.is_int64() ? double(v.get_int64()) : v.is_uint64() ? double(v.get_uint64()) : v.is_double() ? v.get_double() : 0;
  return d > 0 && std::isfinite(d) ? static_cast<std::uint64_t>(d) : 0;
}

// The {label_value: n} map of a labelled metric, or null when absent or shaped otherwise.
const boost::json::object* series(const boost::json::object& doc, std::string_view metric, std::string_view label) {
  auto* m = doc.if_contains(metric);
  if (!m || !m->is_object()) return nullptr;
  auto* value = m->as_object().if_contains("value");
  if (!value || !value->is_object()) return nullptr;
  auto* by_label = value->as_object().if_contains(label);
  return by_label && by_label->is_object() ? &by_label->as_object() : nullptr;
}

std::vector<ReadyRow> collect_ready(const boost::json::object& doc) {
  std::map<std::string, ReadyRow> rows;
  auto take = [&](const char* metric, std::uint64_t ReadyRow::*field) {
    auto* s = series(doc, metric, metric::kServiceLabel);
    if (!s) return;
    for (const auto& [service, value] : *s) {
      auto colon = service.find(':');  // "smtp_client" alone is the all-queues total: skipped
      if (colon == std::string_view::npos) continue;
      std::string name(service.substr(colon + 1));
      auto& row = rows.try_emplace(name, ReadyRow{name}).first->second;
      row.*field += count_of(value);
    }
  };
  take(metric::kConnectionCount, &ReadyRow::connections);
  take(metric::kDelivered, &ReadyRow::delivered);
  take(metric::kTransientFailures, &ReadyRow::transfail);
  take(metric::kReadyCount, &ReadyRow::ready);
  std::vector<ReadyRow> out;
  for (auto& [name, row] : rows) out.push_back(std::move(row));
  return out;
}

std::vector<ScheduledRow> collect_scheduled(const boost::json::object& doc) {
  std::vector<ScheduledRow> out;
  if (auto* s = series(doc, metric::kScheduledCount, metric::kQueueLabel)) {
    for (const auto& [queue, value] : *s) out.push_back(ScheduledRow{std::string(queue), count_of(value)});
  }
  return out;
}

template <class Row>
void order_and_limit(std::vector<Row>& rows, const QueueSummaryOptions& options) {
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (options.by_volume && a.volume() != b.volume()) return a.volume() > b.volume();
    return natural_less(a.name, b.name);
  });
  if (options.limit && rows.size() > *options.limit) rows.resize(*options.limit);
}

bool contains_icase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char x, char y) { return std::tolower((unsigned char)x) == std::tolower((unsigned char)y); });
  return it != hay.end();
}

// --domain: ready queues of the domain's site; scheduled queues of the domain or that site.
void filter_domain(std::vector<ReadyRow>& ready, std::vector<ScheduledRow>& sched, const QueueSummaryOptions& o) {
  const std::string& domain = *o.domain;
  std::optional<std::string> site = o.site_of ? o.site_of(domain) : std::nullopt;
  std::erase_if(ready, [&](const ReadyRow& r) { return site ? r.site() != *site : !contains_icase(r.site(), domain); });
  std::erase_if(sched, [&](const ScheduledRow& s) {
    auto parts = parse_queue_name(s.name);
    if (s.name == domain || parts.domain == domain) return false;
    return !(site && o.site_of && o.site_of(parts.domain) == site);
  });
}

bool criterion_matches(const std::optional<std::string>& wanted, const std::optional<std::string>& actual) {
  return !wanted || (actual && *actual == *wanted);
}

bool criteria_match(const QueueCriteria& c, const QueueNameParts& p) {
  return criterion_matches(c.campaign, p.campaign) && criterion_matches(c.tenant, p.tenant) &&
         criterion_matches(c.domain, p.domain);
}

std::string scheduled_mark(const std::string& name, const QueueStatus& status) {
  auto parts = parse_queue_name(name);
  auto any = [&](const std::vector<QueueCriteria>& list) {
    return std::any_of(list.begin(), list.end(), [&](const QueueCriteria& c) { return criteria_match(c, parts); });
  };
  if (any(status.bounced)) return std::string(kBouncedMark);
  if (any(status.suspended)) return std::string(kSuspendedMark);
  return {};
}

std::string ready_table(const std::vector<ReadyRow>& rows, const QueueStatus& status) {
  std::vector<Column> columns = {{"SITE"}, {"SOURCE"}, {"PROTO"}, {"D", Align::Right}, {"T", Align::Right},
                                 {"C", Align::Right}, {"Q", Align::Right}, {""}};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    auto& s = status.suspended_ready_queues;
    bool paused = std::find(s.begin(), s.end(), r.name) != s.end();
    cells.push_back({std::string(r.site()), std::string(r.source()), std::string(r.protocol()),
                     std::to_string(r.delivered), std::to_string(r.transfail), std::to_string(r.connections),
                     std::to_string(r.ready), paused ? std::string(kSuspendedMark) : std::string()});
  }
  return tabulate(columns, cells);
}

std::string scheduled_table(const std::vector<ScheduledRow>& rows, const QueueStatus& status) {
  std::vector<Column> columns = {{"SCHEDULED QUEUE"}, {"COUNT", Align::Right}, {""}};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) cells.push_back({r.name, std::to_string(r.count), scheduled_mark(r.name, status)});
  return tabulate(columns, cells);
}
}  // namespace

QueueNameParts parse_queue_name(std::string_view name) {
  QueueNameParts p;
  auto at = name.find('@');
  std::string_view domain = at == std::string_view::npos ? name : name.substr(at + 1);
  if (at != std::string_view::npos) {
    auto prefix = name.substr(0, at);
    auto colon = prefix.find(':');
    if (colon == std::string_view::npos) {
      p.tenant = std::string(prefix);
    } else {
      p.campaign = std::string(prefix.substr(0, colon));
      p.tenant = std::string(prefix.substr(colon + 1));
    }
  }
  auto bang = domain.find('!');
  p.domain = std::string(domain.substr(0, bang));
  if (bang != std::string_view::npos) p.routing_domain = std::string(domain.substr(bang + 1));
  return p;
}

Expected<std::string> render_queue_summary(std::string_view metrics_json, const QueueSummaryOptions& options,
                                           const QueueStatus& status) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(metrics_json, ec);
  if (ec) return unexpected("metrics.json is not JSON: " + ec.message());
  if (!doc.is_object()) return unexpected(std::string("metrics.json is not a JSON object"));
  auto ready = collect_ready(doc.as_object());
  auto sched = collect_scheduled(doc.as_object());
  if (options.domain) filter_domain(ready, sched, options);
  order_and_limit(ready, options);
  order_and_limit(sched, options);
  return ready_table(ready, status) + "\n" + scheduled_table(sched, status);
}

std::string provider_of_site(std::string_view site) {
  site = site.substr(0, site.find(','));
  if (auto close = site.rfind(")?."); close != std::string_view::npos) site.remove_prefix(close + 3);
  while (site.ends_with('.')) site.remove_suffix(1);
  auto last = site.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::string(site);
  auto before = site.rfind('.', last - 1);
  return std::string(before == std::string_view::npos ? site : site.substr(before + 1));
}

Expected<std::string> render_provider_summary(std::string_view metrics_json, const ProviderSummaryOptions& options) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(metrics_json, ec);
  if (ec) return unexpected("metrics.json is not JSON: " + ec.message());
  if (!doc.is_object()) return unexpected(std::string("metrics.json is not a JSON object"));
  std::map<std::pair<std::string, std::string>, ReadyRow> groups;
  for (const auto& r : collect_ready(doc.as_object())) {
    std::string pool = options.by_pool ? std::string(r.source()) : std::string();
    std::string provider = provider_of_site(r.site());
    auto& g = groups.try_emplace(std::make_pair(provider, pool), ReadyRow{provider}).first->second;
    g.delivered += r.delivered;
    g.transfail += r.transfail;
    g.connections += r.connections;
    g.ready += r.ready;
  }
  std::vector<std::pair<std::string, ReadyRow>> rows;
  for (auto& [key, row] : groups) rows.emplace_back(key.second, std::move(row));
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.second.volume() != b.second.volume()) return a.second.volume() > b.second.volume();
    return natural_less(a.second.name, b.second.name);
  });
  if (options.limit && rows.size() > *options.limit) rows.resize(*options.limit);
  std::vector<Column> columns{{"PROVIDER"}};
  if (options.by_pool) columns.push_back({"POOL"});
  for (const char* c : {"D", "T", "C", "Q"}) columns.push_back({c, Align::Right});
  std::vector<std::vector<std::string>> cells;
  for (const auto& [pool, r] : rows) {
    std::vector<std::string> line{r.name};
    if (options.by_pool) line.push_back(pool);
    for (auto n : {r.delivered, r.transfail, r.connections, r.ready}) line.push_back(std::to_string(n));
    cells.push_back(std::move(line));
  }
  return tabulate(columns, cells);
}

// ---- the subcommand: fetch, render, print ----

namespace {
std::optional<std::string> string_field(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

// GETs a list endpoint; a server without that endpoint yet (404) lists nothing.
ApiResult<std::vector<boost::json::object>> list_entries(const ApiClient& client, std::string_view path) {
  auto v = client.get_json(path);
  if (!v && v.error().status == 404) return std::vector<boost::json::object>{};
  if (!v) return unexpected(v.error());
  std::vector<boost::json::object> out;
  if (v->is_array()) {
    for (auto& e : v->as_array())
      if (e.is_object()) out.push_back(e.as_object());
  }
  return out;
}

std::vector<QueueCriteria> to_criteria(const std::vector<boost::json::object>& entries) {
  std::vector<QueueCriteria> out;
  for (const auto& e : entries) {
    out.push_back({string_field(e, "campaign"), string_field(e, "tenant"), string_field(e, "domain")});
  }
  return out;
}

ApiResult<QueueStatus> fetch_status(const ApiClient& client) {
  auto suspended = list_entries(client, "/api/admin/suspend/v1");
  if (!suspended) return unexpected(suspended.error());
  auto bounced = list_entries(client, "/api/admin/bounce/v1");
  if (!bounced) return unexpected(bounced.error());
  auto ready = list_entries(client, "/api/admin/suspend-ready-q/v1");
  if (!ready) return unexpected(ready.error());
  QueueStatus status{{}, to_criteria(*suspended), to_criteria(*bounced)};
  for (const auto& e : *ready)
    if (auto name = string_field(e, "name")) status.suspended_ready_queues.push_back(*name);
  return status;
}

int fail(std::string_view message) {
  std::cerr << "kcli: " << message << "\n";
  return 1;
}

int run_queue_summary(const KcliContext& ctx, const QueueSummaryOptions& options) {
  auto client = ApiClient::create(ctx.endpoint);
  if (!client) return fail(client.error().message);
  client->set_token(ctx.token);
  auto status = fetch_status(*client);
  if (!status) return fail(status.error().message);
  auto metrics = client->get("/metrics.json");
  if (!metrics) return fail(metrics.error().message);
  auto text = render_queue_summary(*metrics, options, *status);
  if (!text) return fail(text.error());
  std::cout << *text;
  return 0;
}
}  // namespace

void register_provider_summary(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::size_t limit = 0;
    bool by_pool = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("provider-summary", "Prints the ready queues summed per provider (MX domain suffix)");
  auto* limit = sub->add_option("--limit", args->limit, "Limit results to LIMIT rows");
  sub->add_flag("--by-pool", args->by_pool, "Break each provider down by egress pool");
  sub->callback([&ctx, args, limit] {
    ProviderSummaryOptions options;
    if (limit->count() > 0) options.limit = args->limit;
    options.by_pool = args->by_pool;
    auto client = ApiClient::create(ctx.endpoint);
    if (!client) {
      ctx.exit_code = fail(client.error().message);
      return;
    }
    auto metrics = client->get("/metrics.json");
    auto text = metrics ? render_provider_summary(*metrics, options) : Expected<std::string>(unexpected(metrics.error().message));
    if (!text) {
      ctx.exit_code = fail(text.error());
      return;
    }
    std::cout << *text;
  });
}

void register_queue_summary(CLI::App& app, KcliContext& ctx) {
  struct Args {
    std::size_t limit = 0;
    bool by_volume = false;
    std::string domain;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("queue-summary", "Prints a summary of the state of the queues, for a human to read");
  auto* limit = sub->add_option("--limit", args->limit, "Limit results to LIMIT results");
  sub->add_flag("--by-volume", args->by_volume, "Instead of ordering by name, order by volume, descending");
  auto* domain = sub->add_option("--domain", args->domain, "Filter queues to those associated with a DNS domain");
  sub->callback([&ctx, args, limit, domain] {
    QueueSummaryOptions options;
    if (limit->count() > 0) options.limit = args->limit;
    options.by_volume = args->by_volume;
    if (domain->count() > 0) options.domain = args->domain;
    ctx.exit_code = run_queue_summary(ctx, options);
  });
}

}  // namespace mxlab::kcli
