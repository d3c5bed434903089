#include "crypto/tls_cert.h"
