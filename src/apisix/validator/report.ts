/** Receives each problem a check finds: where (a JSON pointer into the object) and what. */
export type Report = (pointer: string, message: string) => void;
