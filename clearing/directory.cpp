#include "clearing/directory.h"

#include <map>

#include "clearing/rules_internal.h"

namespace innoclear::clearing {

namespace {

std::int64_t average_x100(std::int64_t sum, std::int64_t ratings) {
  return ratings > 0 ? sum * 100 / ratings : 0;
}

// "<region>|<provider>|<YYYY-MM>" → "<region>|<provider>".
std::string provider_of_stats_key(const std::string& key) { return key.substr(0, key.rfind('|')); }

// Sums of ratings per "<region>|<provider>", from every statistics row this node keeps.
Result<std::map<std::string, std::pair<std::int64_t, std::int64_t>>> rating_sums(
    const Store& store) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::provider_stats, "");
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> sums;  // ratings, rating_sum
  for (const auto& [key, stats] : *rows) {
    const std::int64_t ratings = detail::stored(stats, "ratings");
    if (ratings == 0) continue;
    auto& sum = sums[provider_of_stats_key(key)];
    sum.first += ratings;
    sum.second += detail::stored(stats, "rating_sum");
  }
  return sums;
}

Result<nlohmann::json> offered_services(const Store& store, const std::string& provider) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::services, key_of(provider, ""));
  if (!rows.ok()) return rows.status();
  nlohmann::json services = nlohmann::json::array();
  for (const auto& [key, service] : *rows) {
    if (service.value("state", "") != "offered") continue;
    services.push_back({{"capacity", service["capacity"]},
                        {"category", service["category"]},
                        {"price", service["price"]},
                        {"service_id", service["service_id"]},
                        {"title", service["title"]}});
  }
  return services;
}

void set_ratings(nlohmann::json& provider, std::int64_t ratings, std::int64_t sum) {
  provider["ratings"] = ratings;
  provider["rating_sum"] = sum;
  provider["rating_average_x100"] = average_x100(sum, ratings);
}

}  // namespace

Result<nlohmann::json> public_policy(const Store& store, Region region) {
  Result<nlohmann::json> policy_record = detail::policy(store);
  if (!policy_record.ok()) return policy_record.status();
  return nlohmann::json{{"policy", *policy_record}, {"region", std::string(region_code(region))}};
}

Result<nlohmann::json> directory(const Store& store, Region region) {
  const std::string code(region_code(region));
  Result<std::vector<std::pair<std::string, nlohmann::json>>> actors =
      store.scan(Table::actors, "");
  if (!actors.ok()) return actors.status();
  auto sums = rating_sums(store);
  if (!sums.ok()) return sums.status();
  nlohmann::json providers = nlohmann::json::array();
  for (const auto& [id, actor] : *actors) {
    if (actor.value("role", "") != "provider" || actor.value("status", "") != "active" ||
        actor.value("region", "") != code) {
      continue;
    }
    Result<nlohmann::json> services = offered_services(store, id);
    if (!services.ok()) return services.status();
    nlohmann::json provider = {{"categories", actor.value("categories", nlohmann::json::array())},
                               {"id", id},
                               {"name", actor.value("name", "")},
                               {"region", code},
                               {"services", std::move(*services)}};
    const auto sum = sums->find(key_of(code, id));
    set_ratings(provider, sum == sums->end() ? 0 : sum->second.first,
                sum == sums->end() ? 0 : sum->second.second);
    providers.push_back(std::move(provider));
  }
  nlohmann::json foreign = nlohmann::json::object();
  for (const auto& [key, sum] : *sums) {
    if (key.starts_with(code + "|")) continue;
    foreign[key] = {{"rating_sum", sum.second}, {"ratings", sum.first}};
  }
  return nlohmann::json{{"foreign_ratings", foreign}, {"providers", providers}, {"region", code}};
}

namespace {

bool is_text(const nlohmann::json& value) {
  return value.is_string() && value.get_ref<const std::string&>().size() <= text_bytes_max;
}
bool is_count(const nlohmann::json& value) {
  return value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
         value.get<std::int64_t>() <= (std::int64_t{1} << 40);
}

Result<nlohmann::json> checked_service(const nlohmann::json& said) {
  if (!said.is_object() || !is_text(said.value("service_id", nlohmann::json())) ||
      !is_text(said.value("category", nlohmann::json())) ||
      !is_text(said.value("title", nlohmann::json())) ||
      !is_count(said.value("price", nlohmann::json())) ||
      !is_count(said.value("capacity", nlohmann::json()))) {
    return Status(Code::bad_statement, "a service of the peer's directory is malformed");
  }
  return nlohmann::json{{"capacity", said["capacity"]},
                        {"category", said["category"]},
                        {"price", said["price"]},
                        {"service_id", said["service_id"]},
                        {"title", said["title"]}};
}

Result<nlohmann::json> checked_provider(const nlohmann::json& said, const std::string& code) {
  const nlohmann::json none;
  if (!said.is_object() || !is_text(said.value("id", none)) || !is_text(said.value("name", none)) ||
      said.value("region", none) != code || !said.value("categories", none).is_array() ||
      said["categories"].size() > 3 || !said.value("services", none).is_array() ||
      said["services"].size() > directory_services_max || !is_count(said.value("ratings", none)) ||
      !is_count(said.value("rating_sum", none))) {
    return Status(Code::bad_statement, "a provider of the peer's directory is malformed");
  }
  nlohmann::json provider = {{"id", said["id"]}, {"name", said["name"]}, {"region", code}};
  for (const nlohmann::json& category : said["categories"]) {
    if (!is_text(category)) return Status(Code::bad_statement, "a category is not text");
  }
  provider["categories"] = said["categories"];
  provider["services"] = nlohmann::json::array();
  for (const nlohmann::json& service : said["services"]) {
    Result<nlohmann::json> checked = checked_service(service);
    if (!checked.ok()) return checked;
    provider["services"].push_back(std::move(*checked));
  }
  set_ratings(provider, said["ratings"].get<std::int64_t>(),
              said["rating_sum"].get<std::int64_t>());
  return provider;
}

}  // namespace

Result<nlohmann::json> checked_directory(const nlohmann::json& said, Region peer) {
  const std::string code(region_code(peer));
  const nlohmann::json none;
  if (!said.is_object() || said.value("region", none) != code ||
      !said.value("providers", none).is_array() ||
      said["providers"].size() > directory_providers_max ||
      !said.value("foreign_ratings", none).is_object() ||
      said["foreign_ratings"].size() > directory_foreign_ratings_max) {
    return Status(Code::bad_statement, code + "'s directory is malformed or too large");
  }
  nlohmann::json providers = nlohmann::json::array();
  for (const nlohmann::json& provider : said["providers"]) {
    Result<nlohmann::json> checked = checked_provider(provider, code);
    if (!checked.ok()) return checked;
    providers.push_back(std::move(*checked));
  }
  nlohmann::json foreign = nlohmann::json::object();
  for (const auto& [key, sum] : said["foreign_ratings"].items()) {
    if (key.size() > 2 * identifier_bytes_max || !sum.is_object() ||
        !is_count(sum.value("ratings", none)) || !is_count(sum.value("rating_sum", none))) {
      return Status(Code::bad_statement, code + "'s foreign ratings are malformed");
    }
    foreign[key] = {{"rating_sum", sum["rating_sum"]}, {"ratings", sum["ratings"]}};
  }
  return nlohmann::json{{"foreign_ratings", foreign}, {"providers", providers}, {"region", code}};
}

nlohmann::json federation_directory(const std::vector<MemberDirectory>& members) {
  // Ratings each member keeps for other regions' providers, by "<region>|<provider>".
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> foreign;
  for (const MemberDirectory& member : members) {
    if (!member.directory.is_object()) continue;
    for (const auto& [key, sum] : member.directory["foreign_ratings"].items()) {
      foreign[key].first += sum["ratings"].get<std::int64_t>();
      foreign[key].second += sum["rating_sum"].get<std::int64_t>();
    }
  }
  nlohmann::json regions = nlohmann::json::array();
  for (const MemberDirectory& member : members) {
    nlohmann::json providers = nlohmann::json::array();
    if (member.directory.is_object()) providers = member.directory["providers"];
    for (nlohmann::json& provider : providers) {
      const auto more = foreign.find(
          key_of(provider["region"].get<std::string>(), provider["id"].get<std::string>()));
      if (more == foreign.end()) continue;
      set_ratings(provider, provider["ratings"].get<std::int64_t>() + more->second.first,
                  provider["rating_sum"].get<std::int64_t>() + more->second.second);
    }
    regions.push_back({{"as_of_ms", member.as_of_ms},
                       {"providers", std::move(providers)},
                       {"reachable", member.reachable},
                       {"region", std::string(region_code(member.region))}});
  }
  return {{"regions", regions}, {"scope", "federation"}};
}

}  // namespace innoclear::clearing
