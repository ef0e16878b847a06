/*
 * The texts more than one part of iampw-admin prints, in one place
 * (STYLE.md §7).  The IAM error codes are enum iam_error (cli.h); the AWS
 * CLI's frames are in cli.c.  A text used in one file only stays there,
 * beside the decision that prints it.
 */
#ifndef IAMPW_ADMIN_MESSAGES_H
#define IAMPW_ADMIN_MESSAGES_H

#define MSG_NOMEM "out of memory"
#define MSG_SHADOW_UNREADABLE "cannot read the shadow entry of %s: %s"  /* name, why */
#define MSG_USERDB_UNREADABLE "cannot read the user databases: %s"      /* why */
#define MSG_FORMAT_FAILED "cannot format the output: %s"                /* why */
#define MSG_TEMP_FILE "cannot make a temporary file: %s"                /* why */

/* An account as an IAM user: its ARN (host, name) and its user id (uid). */
#define FMT_USER_ARN "arn:linux:iam::%s:user/%s"
#define FMT_USER_ID "AIDA%016lu"

#endif
