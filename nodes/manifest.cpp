#include "nodes/manifest.h"

#include <algorithm>

#include "clearing/federation.h"
#include "clearing/periods.h"
#include "crypto/canonical_json.h"
#include "nodes/data_dir.h"

namespace innoclear::nodes {

namespace {

constexpr std::size_t fingerprint_hex_digits = 64;
constexpr std::size_t text_bytes_max = 200;

Result<std::string> member_text(const nlohmann::json& value, const char* name,
                                const std::string& where) {
  const auto found = value.find(name);
  if (found == value.end() || !found->is_string() || found->get_ref<const std::string&>().empty() ||
      found->get_ref<const std::string&>().size() > text_bytes_max) {
    return Status(Code::bad_statement, where + " needs a string '" + name + "'");
  }
  return found->get<std::string>();
}

Result<Member> parse_member(const nlohmann::json& value, std::size_t position) {
  const std::string where = "manifest member " + std::to_string(position + 1);
  if (!value.is_object()) return Status(Code::bad_statement, where + " is not an object");
  Member member;
  Result<std::string> region = member_text(value, "region", where);
  Result<std::string> name = member_text(value, "name", where);
  Result<std::string> url = member_text(value, "base_url", where);
  Result<std::string> node_key = member_text(value, "node_key", where);
  Result<std::string> office_key = member_text(value, "office_key", where);
  Result<std::string> fingerprint = member_text(value, "tls_fingerprint", where);
  for (const Status& s : {region.status(), name.status(), url.status(), node_key.status(),
                          office_key.status(), fingerprint.status()}) {
    if (!s.ok()) return s;
  }
  Result<clearing::Region> parsed_region = clearing::parse_region(*region);
  Result<crypto::PublicKey> parsed_node_key = crypto::decode_public_key(*node_key);
  Result<crypto::PublicKey> parsed_office_key = crypto::decode_public_key(*office_key);
  if (!parsed_region.ok())
    return Status(Code::bad_statement, where + ": unknown region " + *region);
  if (!parsed_node_key.ok() || !parsed_office_key.ok()) {
    return Status(Code::bad_statement, where + " (" + *region + ") has a malformed key");
  }
  if (fingerprint->size() != fingerprint_hex_digits ||
      fingerprint->find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status(Code::bad_statement,
                  where + " (" + *region + "): tls_fingerprint must be 64 hex digits");
  }
  const auto accepts = value.find("accepts");
  if (accepts == value.end() || !accepts->is_array()) {
    return Status(Code::bad_statement,
                  where + " (" + *region + ") needs 'accepts', a list of regions");
  }
  for (const auto& code : *accepts) {
    Result<clearing::Region> accepted =
        code.is_string() ? clearing::parse_region(code.get<std::string>())
                         : Result<clearing::Region>(Status(Code::invalid_argument, ""));
    if (!accepted.ok()) {
      return Status(Code::bad_statement, where + " (" + *region + ") accepts an unknown region");
    }
    if (std::find(member.accepts.begin(), member.accepts.end(), *accepted) ==
        member.accepts.end()) {
      member.accepts.push_back(*accepted);
    }
  }
  member.region = *parsed_region;
  member.name = *name;
  member.base_url = *url;
  member.node_key = *parsed_node_key;
  member.office_key = *parsed_office_key;
  member.tls_fingerprint = *fingerprint;
  return member;
}

}  // namespace

const Member* Manifest::find(clearing::Region region) const {
  for (const Member& member : members) {
    if (member.region == region) return &member;
  }
  return nullptr;
}

Result<Manifest> parse_manifest(const nlohmann::json& value) {
  if (!value.is_object() || !value.contains("members") || !value["members"].is_array() ||
      !value.contains("version") || !value["version"].is_number_integer()) {
    return Status(Code::bad_statement, "a manifest is {\"members\":[…],\"version\":N}");
  }
  Manifest manifest;
  manifest.version = value["version"].get<std::int64_t>();
  if (manifest.version < 1 || manifest.version > clearing::manifest_version_max) {
    return Status(Code::bad_statement,
                  "manifest version must be 1…" + std::to_string(clearing::manifest_version_max));
  }
  if (value.contains("period_seconds")) {
    const nlohmann::json& seconds = value["period_seconds"];
    if (!seconds.is_number_integer() || seconds.get<std::int64_t>() < 0 ||
        seconds.get<std::int64_t>() > clearing::period_seconds_max) {
      return Status(Code::bad_statement, "period_seconds must be 0 (months) … " +
                                             std::to_string(clearing::period_seconds_max));
    }
    manifest.period_seconds = seconds.get<std::int64_t>();
  }
  const nlohmann::json& members = value["members"];
  if (members.empty() || members.size() > clearing::all_regions.size()) {
    return Status(Code::bad_statement, "a manifest lists 1 to 6 members");
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    Result<Member> member = parse_member(members[i], i);
    if (!member.ok()) return member.status();
    if (manifest.find(member->region) != nullptr) {
      return Status(
          Code::bad_statement,
          "region " + std::string(clearing::region_code(member->region)) + " is listed twice");
    }
    manifest.members.push_back(std::move(*member));
  }
  std::sort(manifest.members.begin(), manifest.members.end(),
            [](const Member& a, const Member& b) { return a.region < b.region; });
  return manifest;
}

Result<Manifest> load_manifest(const std::filesystem::path& file) {
  Result<std::string> text = read_small_file(file, manifest_bytes_max);
  if (!text.ok()) return text.status();
  const nlohmann::json value = nlohmann::json::parse(*text, nullptr, false);
  if (value.is_discarded()) return Status(Code::json_syntax, file.string() + " is not JSON");
  Result<Manifest> manifest = parse_manifest(value);
  if (!manifest.ok())
    return Status(manifest.status().code(), file.string() + ": " + manifest.status().message());
  return manifest;
}

namespace {

nlohmann::json accepts_json(const Member& member) {
  nlohmann::json accepts = nlohmann::json::array();
  for (clearing::Region region : member.accepts) accepts.push_back(clearing::region_code(region));
  return accepts;
}

}  // namespace

nlohmann::json to_json(const Manifest& manifest) {
  nlohmann::json members = nlohmann::json::array();
  for (const Member& member : manifest.members) {
    members.push_back({{"accepts", accepts_json(member)},
                       {"base_url", member.base_url},
                       {"name", member.name},
                       {"node_key", crypto::encode_public_key(member.node_key)},
                       {"office_key", crypto::encode_public_key(member.office_key)},
                       {"region", clearing::region_code(member.region)},
                       {"tls_fingerprint", member.tls_fingerprint}});
  }
  return {{"members", members},
          {"period_seconds", manifest.period_seconds},
          {"version", manifest.version}};
}

Status save_manifest(const std::filesystem::path& file, const Manifest& manifest) {
  return write_file_atomically(file, to_json(manifest).dump(2) + "\n");
}

nlohmann::json adoption_body(const Manifest& manifest) {
  nlohmann::json members = nlohmann::json::array();
  for (const Member& member : manifest.members) {
    members.push_back({{"accepts", accepts_json(member)},
                       {"name", member.name},
                       {"node_key", crypto::encode_public_key(member.node_key)},
                       {"office_key", crypto::encode_public_key(member.office_key)},
                       {"region", clearing::region_code(member.region)}});
  }
  return {{"members", members},
          {"period_seconds", manifest.period_seconds},
          {"version", manifest.version}};
}

}  // namespace innoclear::nodes
