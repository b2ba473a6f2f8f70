// kcli qshape [--buckets N] [--first M] [--limit N]: Postfix qshape's table from GET
// /api/admin/qshape/v1, recipient domain x message age (minutes), the TOTAL row first.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "kcli/command_util.hpp"
#include "kcli/renderers.hpp"
#include "kcli/tabulate.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

std::string render_qshape(const json::value& reply, std::size_t limit) {
  std::vector<Column> columns{{"", Align::Right}, {"T", Align::Right}};
  const json::array* buckets = nullptr;
  if (reply.is_object()) {
    if (auto* b = reply.as_object().if_contains("buckets"); b && b->is_array()) buckets = &b->as_array();
  }
  std::string last;
  if (buckets) {
    for (const auto& b : *buckets) {
      last = json::serialize(b);
      columns.push_back({last, Align::Right});
    }
  }
  columns.push_back({last + "+", Align::Right});
  std::vector<std::vector<std::string>> rows;
  auto add = [&](const json::value& r) {
    std::vector<std::string> cells{text_of(r, "domain"), std::to_string(int_of(r, "total"))};
    if (r.is_object()) {
      if (auto* c = r.as_object().if_contains("counts"); c && c->is_array())
        for (const auto& n : c->as_array()) cells.push_back(json::serialize(n));
    }
    rows.push_back(std::move(cells));
  };
  if (reply.is_object()) {
    if (auto* t = reply.as_object().if_contains("total")) add(*t);
    if (auto* d = reply.as_object().if_contains("domains"); d && d->is_array()) {
      std::size_t n = 0;
      for (const auto& r : d->as_array()) {
        if (limit > 0 && n++ >= limit) break;
        add(r);
      }
    }
  }
  return tabulate(columns, rows);
}

void register_qshape(CLI::App& app, KcliContext& ctx) {
  struct Args {
    int buckets = 9;
    int first = 5;
    std::size_t limit = 0;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("qshape", "Queued envelopes by recipient domain and message age (Postfix qshape)");
  sub->add_option("--buckets", a->buckets, "Number of age buckets")->check(CLI::Range(1, 30))->capture_default_str();
  sub->add_option("--first", a->first, "Upper bound of the first bucket, minutes; each next doubles")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  sub->add_option("--limit", a->limit, "Only the N largest domains");
  sub->add_flag("--json", a->json, "Print the reply as JSON");
  sub->callback([&ctx, a] {
    ctx.exit_code = with_client(ctx, [&](const ApiClient& c) {
      auto path = "/api/admin/qshape/v1?buckets=" + std::to_string(a->buckets) + "&first=" + std::to_string(a->first);
      auto reply = c.get_json(path);
      if (!reply) return fail(reply.error().message);
      std::cout << (a->json ? json::serialize(*reply) + "\n" : render_qshape(*reply, a->limit));
      return 0;
    });
  });
}

}  // namespace mxlab::kcli
