// libserialport (sigrok), found through pkg-config; Debian: libserialport-dev.
#include <libserialport.h>
