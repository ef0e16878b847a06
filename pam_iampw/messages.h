/*
 * Every text pam_iampw shows the user, in one place (STYLE.md §7): the
 * account stack's, the password stack's and the MFA prompt.  The texts
 * that depend on a check (the policy clauses) are the core's
 * (iampw_check_message).  iampw-admin reads none of these: it judges a
 * change by PAM's return codes.
 */
#ifndef PAM_IAMPW_MESSAGES_H
#define PAM_IAMPW_MESSAGES_H

/* Any configuration or store problem, whatever the detail in the log. */
#define MSG_CONFIG_ERROR "System configuration error. Contact your administrator."

/* The account stack (§5.1, §9.2). */
#define MSG_RESET_REQUIRED \
	"You are required to change your password immediately (administrator enforced)."
#define MSG_EXPIRED "Your password has expired. You are required to change it now."
#define MSG_HARD_EXPIRED "Your password has expired and must be reset by an administrator."
#define MSG_WARN_ONE "Your password will expire in 1 day."
#define MSG_WARN_DAYS "Your password will expire in %lld days."
#define MSG_BREACHED \
	"Your password appears in a list of breached passwords. You must change it now."

/* The password stack (§5.2-5.4); MSG_HARD_EXPIRED too. */
#define MSG_CHANGES_DISABLED \
	"Password changes are disabled by policy. Contact your administrator."
#define MSG_REUSED "Password has been used recently. Choose a different password."
#define MSG_INTERNAL "The password could not be checked. Contact your administrator."

/* The MFA step (§10). */
#define MFA_PROMPT "MFA code: "

#endif /* PAM_IAMPW_MESSAGES_H */
