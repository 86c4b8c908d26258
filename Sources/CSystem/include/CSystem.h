#ifndef SEALCAST_CSYSTEM_H
#define SEALCAST_CSYSTEM_H

// Linux interfaces that the Glibc module of Swift 6.3.1 leaves out. Swift imports the constants
// and `struct epoll_event` of <sys/epoll.h> and <sys/eventfd.h> from here, so the struct has the
// layout of the target architecture. The two functions wrap the GNU extensions `accept4` and
// `pthread_setname_np`.
//
// This header must not define _GNU_SOURCE. Swift compiles it as a clang module next to
// COpenSSL, and glibc headers that both pull in textually would then declare the same
// types differently (for example `fd_set`), which clang rejects. The wrappers are defined in
// CSystem.c, which sets _GNU_SOURCE for itself.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <pthread.h>

/// Calls `accept4`, which accepts a connection and sets `flags` (SOCK_NONBLOCK, SOCK_CLOEXEC)
/// on the new socket in the same system call.
int sealcast_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// Calls `pthread_setname_np`. Linux rejects names longer than 15 bytes with ERANGE.
int sealcast_pthread_setname_np(pthread_t thread, const char *name);

#endif
