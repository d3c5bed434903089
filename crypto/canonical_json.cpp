#include "crypto/canonical_json.h"
