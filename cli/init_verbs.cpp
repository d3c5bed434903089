// `innoclear init`: a region's data directory.
#include <iostream>

#include "cli/cli.h"
#include "crypto/canonical_json.h"
#include "nodes/data_dir.h"

namespace innoclear::cli {

void add_init_verbs(CLI::App& app, int& exit_code) {
  struct Arguments {
    std::string region;
    std::string data;
    Output output = Output::text;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* verb = app.add_subcommand(
      "init", "create a region's data directory: node key, TLS certificate, empty ledger");
  verb->add_option("--region", arguments->region, "BJ, TJ, HE, NM, GZ or CD")->required();
  verb->add_option("--data", arguments->data, "data directory to create")->required();
  add_output_option(*verb, arguments->output);
  verb->callback([arguments, &exit_code] {
    Result<clearing::Region> region = clearing::parse_region(arguments->region);
    if (!region.ok()) {
      exit_code = fail(region.status());
      return;
    }
    Result<nodes::NodeIdentity> identity = nodes::init_data_dir({arguments->data}, *region);
    if (!identity.ok()) {
      exit_code = fail(identity.status());
      return;
    }
    if (arguments->output == Output::json) {
      std::cout << crypto::canonical_dump({{"data", arguments->data},
                                           {"origin", identity->origin},
                                           {"region", arguments->region},
                                           {"tls_fingerprint", identity->tls_fingerprint},
                                           {"verifier_key", identity->verifier_key}})
                << "\n";
    } else {
      std::cout << "initialised " << clearing::region_name(*region) << " node in "
                << arguments->data << "\n"
                << "  verifier key    " << identity->verifier_key << "\n"
                << "  TLS fingerprint " << identity->tls_fingerprint << "\n";
    }
  });
}

}  // namespace innoclear::cli
