// The portal: the browser pages of every role (portal/), built into the binary and served by the
// node on its API listener at "/". The node only hands out files; every action in the page is a
// statement signed in the browser and posted to the same API the command line uses.
//
//   GET /                      index.html (Cache-Control: no-cache), which names the version
//   GET /p/<version>/<path>    every other file (Cache-Control: immutable; the version is a hash
//                              of all files, so a changed portal has new paths)
//
// Every answer carries the security headers of portal_security_headers().
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/https.h"

namespace innoclear::api {

struct PortalFile {
  std::string_view served;  // "/" or "/p/<version>/js/app.js"
  std::string_view source;  // its path under portal/: "index.html", "js/app.js"
  std::string_view body;
};

// Both generated from portal/ at build time (api/embed_portal.cmake).
std::string_view portal_version();
std::span<const PortalFile> portal_files();

// The headers every portal answer carries: a Content-Security-Policy allowing scripts, styles,
// images and connections from this origin only (no inline script, no other host), no framing,
// nosniff, HSTS, no referrer.
std::vector<std::pair<std::string, std::string>> portal_security_headers();

// The answer to GET `path` if it is a portal path ("/", "/index.html", "/p/…"), else nullopt.
// A "/p/…" path that names no file (e.g. an old version) is 404.
std::optional<HttpResponse> portal_answer(std::string_view path);

}  // namespace innoclear::api
