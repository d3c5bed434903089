#include "crypto/signed_note.h"
