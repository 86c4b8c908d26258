// accept4 and pthread_setname_np are declared only when _GNU_SOURCE is set before the first
// glibc header, which is why these wrappers live here and not inline in CSystem.h.
#define _GNU_SOURCE
#include "CSystem.h"

int sealcast_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

int sealcast_pthread_setname_np(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}
