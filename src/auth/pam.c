#include "auth/pam.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#ifdef HAVE_PAM
#include <security/pam_appl.h>

/* PAM asks; we answer every hidden prompt with the password and every
 * visible one with the user name. */
static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *data)
{
	const char *const *cred = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *answer = NULL;

		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			answer = cred[1];
		else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			answer = cred[0];
		if (answer && !(r[i].resp = strdup(answer))) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

bool auth_pam_available(void)
{
	return true;
}

bool auth_pam_check(const char *service, const char *user,
		    const char *pass, char *why, size_t why_size)
{
	const char *cred[2] = { user, pass };
	struct pam_conv conv = { converse, cred };
	pam_handle_t *h = NULL;
	int r;

	r = pam_start(service, user, &conv, &h);
	if (r == PAM_SUCCESS)
		r = pam_authenticate(h, PAM_DISALLOW_NULL_AUTHTOK);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(h, PAM_DISALLOW_NULL_AUTHTOK);
	if (r != PAM_SUCCESS)
		snprintf(why, why_size, "PAM: %s", pam_strerror(h, r));
	if (h)
		pam_end(h, r);
	return r == PAM_SUCCESS;
}

#else

bool auth_pam_available(void)
{
	return false;
}

bool auth_pam_check(const char *service, const char *user,
		    const char *pass, char *why, size_t why_size)
{
	snprintf(why, why_size, "built without PAM");
	return false;
}

#endif
