#include "api/portal.h"

namespace innoclear::api {

namespace {

std::string_view content_type_of(std::string_view source) {
  const std::size_t dot = source.rfind('.');
  const std::string_view extension = dot == std::string_view::npos ? "" : source.substr(dot + 1);
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "js") return "text/javascript; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  if (extension == "svg") return "image/svg+xml";
  if (extension == "png") return "image/png";
  if (extension == "ico") return "image/x-icon";
  if (extension == "json") return "application/json";
  if (extension == "woff2") return "font/woff2";
  return "application/octet-stream";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> portal_security_headers() {
  return {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Strict-Transport-Security", "max-age=63072000"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"},
  };
}

std::optional<HttpResponse> portal_answer(std::string_view path) {
  if (path == "/index.html") path = "/";
  const bool versioned = path.starts_with("/p/");
  if (path != "/" && !versioned) return std::nullopt;
  HttpResponse response{404, "text/plain; charset=utf-8", "not found\n", portal_security_headers()};
  for (const PortalFile& file : portal_files()) {
    if (file.served != path) continue;
    response.status = 200;
    response.content_type = content_type_of(file.source);
    response.body = file.body;
    break;
  }
  response.headers.emplace_back("Cache-Control", response.status == 200 && versioned
                                                     ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
  return response;
}

}  // namespace innoclear::api
