/* Operating-system password checks for VeNCrypt Plain logins. */
#ifndef XRFB_AUTH_PAM_H
#define XRFB_AUTH_PAM_H

#include <stdbool.h>
#include <stddef.h>

/* Whether this build can check passwords (PAM headers were found). */
bool auth_pam_available(void);

/* Authenticate `user` with `pass` through PAM service `service` (a
 * missing /etc/pam.d/SERVICE falls back to "other"), then check the
 * account is usable; on refusal PAM's reason goes to `why`.  Blocking: call it off the event loop.
 * Thread-safe. */
bool auth_pam_check(const char *service, const char *user,
		    const char *pass, char *why, size_t why_size);

#endif
