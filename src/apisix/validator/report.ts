/**
 * Receives each problem a check finds: where (a JSON pointer into the object) and what. A warning
 * is a problem APISIX lets through but the gateway will meet (see ssl-pair.ts); the rest are
 * reasons the Admin API refuses the object.
 */
export type Report = (pointer: string, message: string, severity?: 'warning') => void;
