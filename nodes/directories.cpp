#include "nodes/directories.h"

namespace innoclear::nodes {

Result<nlohmann::json> local_directory(const Service& service) {
  nlohmann::json answer;
  Status status = service.read([&](const clearing::Store& store) -> Status {
    Result<nlohmann::json> read = clearing::directory(store, service.identity().region);
    if (!read.ok()) return read.status();
    answer = std::move(*read);
    return Status::success();
  });
  if (!status.ok()) return status;
  return answer;
}

Directories::Directories(const Service& service, const Manifest& manifest, PeerTransport& transport)
    : service_(service), manifest_(manifest), transport_(transport) {
  for (const Member& member : manifest_.members) {
    if (member.region != service_.identity().region) {
      peers_[member.region] = clearing::MemberDirectory{member.region, 0, false, nullptr};
    }
  }
}

bool Directories::round() {
  std::lock_guard round_lock(round_mutex_);
  bool all = true;
  for (const Member& member : manifest_.members) {
    if (member.region == service_.identity().region) continue;
    Result<PeerResponse> response = transport_.get(member.region, std::string(directory_path));
    Result<nlohmann::json> checked = Status(Code::io_error, "no answer");
    if (response.ok() && response->status == 200) {
      const nlohmann::json said = nlohmann::json::parse(response->body, nullptr, false);
      checked = clearing::checked_directory(said, member.region);
    }
    std::lock_guard lock(mutex_);
    clearing::MemberDirectory& cached = peers_[member.region];
    cached.reachable = checked.ok();
    all = all && checked.ok();
    if (!checked.ok()) continue;
    cached.directory = std::move(*checked);
    cached.as_of_ms = service_.now_ms();
  }
  return all;
}

Result<nlohmann::json> Directories::federation() const {
  Result<nlohmann::json> own = local_directory(service_);
  if (!own.ok()) return own.status();
  std::vector<clearing::MemberDirectory> members;
  std::lock_guard lock(mutex_);
  for (const Member& member : manifest_.members) {
    if (member.region == service_.identity().region) {
      members.push_back({member.region, service_.now_ms(), true, *own});
    } else {
      members.push_back(peers_.at(member.region));
    }
  }
  return clearing::federation_directory(members);
}

}  // namespace innoclear::nodes
