/**
 * What ADC writes on a gateway besides the objects' own fields, and how its files refer to its
 * environment: shared by the reader and the writer of ADC files.
 */

/** The label ADC's backend keeps a consumer group's name in (its id is the SHA-1 of that name). */
export const ADC_NAME_LABEL = 'ADC_NAME';
/** The label holding a stream route's name (APISIX's stream routes have no `name` field). */
export const ADC_STREAM_ROUTE_NAME_LABEL = '__ADC_NAME';
/** The label naming the service an upstream of a service's `upstreams` list belongs to (by id). */
export const ADC_UPSTREAM_SERVICE_LABEL = '__ADC_UPSTREAM_SERVICE_ID';

/** `${NAME}` in a value of an ADC file: ADC puts the environment variable's value there when it loads the file. */
export const ENV_REFERENCE = /(?<!\\)\$\{(\w+)\}/g;
/** `\${NAME}`: ADC's escape for the text `${NAME}` itself. */
export const ESCAPED_ENV_REFERENCE = /\\\$\{(\w+)\}/g;
