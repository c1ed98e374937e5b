/* openapi.h: the OpenAPI 3 document, generated from the route table. */
#ifndef WALINK_CTL_OPENAPI_H
#define WALINK_CTL_OPENAPI_H

#include <jansson.h>

json_t	*ctl_openapi_doc(void);	/* new reference, NULL on ENOMEM */

#endif
