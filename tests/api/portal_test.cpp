// The portal's files as the node serves them: index.html at "/", every other file under
// /p/<version>/ with immutable caching, the security headers on every answer, nothing from
// another host, no inline script.
#include "api/portal.h"

#include <catch2/catch.hpp>
#include <regex>
#include <string>

using namespace innoclear::api;

namespace {

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

void require_security_headers(const HttpResponse& response) {
  const std::string policy = header(response, "Content-Security-Policy");
  CHECK(policy.find("default-src 'none'") != std::string::npos);
  CHECK(policy.find("script-src 'self';") != std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find("unsafe") == std::string::npos);
  CHECK(header(response, "X-Content-Type-Options") == "nosniff");
  CHECK(header(response, "Strict-Transport-Security").starts_with("max-age="));
  CHECK(header(response, "Referrer-Policy") == "no-referrer");
}

}  // namespace

TEST_CASE("the portal's index names the current version and is never cached", "[api][portal]") {
  for (const char* path : {"/", "/index.html"}) {
    std::optional<HttpResponse> index = portal_answer(path);
    REQUIRE(index.has_value());
    CHECK(index->status == 200);
    CHECK(index->content_type == "text/html; charset=utf-8");
    CHECK(header(*index, "Cache-Control") == "no-cache");
    require_security_headers(*index);
    const std::string root = "/p/" + std::string(portal_version()) + "/";
    CHECK(index->body.find("src=\"" + root + "js/app.js\"") != std::string::npos);
    CHECK(index->body.find("@ROOT@") == std::string::npos);
  }
}

TEST_CASE("every portal file is served immutable under its version, with the headers",
          "[api][portal]") {
  REQUIRE(portal_version().size() == 16);
  std::size_t files = 0;
  for (const PortalFile& file : portal_files()) {
    ++files;
    std::optional<HttpResponse> answer = portal_answer(file.served);
    REQUIRE(answer.has_value());
    CHECK(answer->status == 200);
    CHECK(answer->body == file.body);
    require_security_headers(*answer);
    if (file.served != "/") {
      CHECK(file.served.starts_with("/p/" + std::string(portal_version()) + "/"));
      CHECK(header(*answer, "Cache-Control") == "public, max-age=31536000, immutable");
    }
    if (file.source.ends_with(".js")) CHECK(answer->content_type.starts_with("text/javascript"));
    if (file.source.ends_with(".css")) CHECK(answer->content_type.starts_with("text/css"));
    // Nothing from another host: no absolute URL to fetch (namespaces in SVG are not fetched).
    const std::string body(file.body);
    static const std::regex remote(R"((src|href|url|import|fetch)\W{0,3}(https?:)?//)");
    CHECK_FALSE(std::regex_search(body, remote));
  }
  CHECK(files >= 10);
}

TEST_CASE("the index holds no inline script", "[api][portal]") {
  const std::string body = portal_answer("/")->body;
  static const std::regex script(R"(<script\b[^>]*>)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), script);
       it != std::sregex_iterator(); ++it) {
    CHECK(it->str().find(" src=") != std::string::npos);
  }
  static const std::regex handler(R"(\son[a-z]+=)");
  CHECK_FALSE(std::regex_search(body, handler));
  CHECK(body.find("style=") == std::string::npos);
}

TEST_CASE("other versions and unknown portal paths are 404; API paths are not the portal's",
          "[api][portal]") {
  std::optional<HttpResponse> old = portal_answer("/p/0000000000000000/js/app.js");
  REQUIRE(old.has_value());
  CHECK(old->status == 404);
  CHECK(header(*old, "Cache-Control") == "no-cache");
  require_security_headers(*old);
  CHECK(portal_answer("/v1/health") == std::nullopt);
  CHECK(portal_answer("/metrics") == std::nullopt);
  CHECK(portal_answer("/favicon.ico") == std::nullopt);
}
