// The portal's files as the node serves them: index.html at "/", every other file under
// /p/<version>/ with immutable caching, the security headers on every answer, nothing from
// another host, no inline script.
#include "api/portal.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>

using namespace innoclear::api;

namespace {

std::string portal_header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

// Whether `body` names another host: an absolute http(s) URL other than the SVG namespace (which
// names, never fetches). No std::regex here: GCC 12 warns inside <regex> under the sanitizers.
bool names_another_host(const std::string& body) {
  static const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (const std::string scheme : {"http://", "https://"}) {
    for (std::size_t at = body.find(scheme); at != std::string::npos;
         at = body.find(scheme, at + 1)) {
      if (body.compare(at, svg_namespace.size(), svg_namespace) != 0) return true;
    }
  }
  return false;
}

// Whether `body` holds an inline event handler attribute: " on<letters>=".
bool has_inline_handler(const std::string& body) {
  for (std::size_t at = body.find(" on"); at != std::string::npos; at = body.find(" on", at + 1)) {
    std::size_t end = at + 3;
    while (end < body.size() && std::islower(static_cast<unsigned char>(body[end]))) ++end;
    if (end > at + 3 && end < body.size() && body[end] == '=') return true;
  }
  return false;
}

void require_security_headers(const HttpResponse& response) {
  const std::string policy = portal_header(response, "Content-Security-Policy");
  CHECK(policy.find("default-src 'none'") != std::string::npos);
  CHECK(policy.find("script-src 'self';") != std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find("unsafe") == std::string::npos);
  CHECK(portal_header(response, "X-Content-Type-Options") == "nosniff");
  CHECK(portal_header(response, "Strict-Transport-Security").starts_with("max-age="));
  CHECK(portal_header(response, "Referrer-Policy") == "no-referrer");
}

}  // namespace

TEST_CASE("the portal's index names the current version and is never cached", "[api][portal]") {
  for (const char* path : {"/", "/index.html"}) {
    std::optional<HttpResponse> index = portal_answer(path);
    REQUIRE(index.has_value());
    CHECK(index->status == 200);
    CHECK(index->content_type == "text/html; charset=utf-8");
    CHECK(portal_header(*index, "Cache-Control") == "no-cache");
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
      CHECK(portal_header(*answer, "Cache-Control") == "public, max-age=31536000, immutable");
    }
    if (file.source.ends_with(".js")) CHECK(answer->content_type.starts_with("text/javascript"));
    if (file.source.ends_with(".css")) CHECK(answer->content_type.starts_with("text/css"));
    // Nothing from another host: no absolute URL (the SVG namespace names, never fetches).
    CHECK_FALSE(names_another_host(std::string(file.body)));
  }
  CHECK(files >= 10);
}

TEST_CASE("the checks below catch what they look for", "[api][portal]") {
  CHECK(names_another_host("import x from \"https://cdn.example/x.js\";"));
  CHECK_FALSE(names_another_host("createElementNS(\"http://www.w3.org/2000/svg\", \"g\")"));
  CHECK(has_inline_handler("<body onload=\"x()\">"));
  CHECK_FALSE(has_inline_handler("<p> only text</p>"));
}

TEST_CASE("the index holds no inline script", "[api][portal]") {
  const std::string body = portal_answer("/")->body;
  std::size_t scripts = 0;
  for (std::size_t at = body.find("<script"); at != std::string::npos;
       at = body.find("<script", at + 1)) {
    ++scripts;
    const std::string tag = body.substr(at, body.find('>', at) - at);
    CHECK(tag.find(" src=") != std::string::npos);
  }
  CHECK(scripts >= 1);
  CHECK_FALSE(has_inline_handler(body));
  CHECK(body.find("style=") == std::string::npos);
}

TEST_CASE("other versions and unknown portal paths are 404; API paths are not the portal's",
          "[api][portal]") {
  std::optional<HttpResponse> old = portal_answer("/p/" + std::string(16, '0') + "/js/app.js");
  REQUIRE(old.has_value());
  CHECK(old->status == 404);
  CHECK(portal_header(*old, "Cache-Control") == "no-cache");
  require_security_headers(*old);
  CHECK(portal_answer("/v1/health") == std::nullopt);
  CHECK(portal_answer("/metrics") == std::nullopt);
  CHECK(portal_answer("/favicon.ico") == std::nullopt);
}
