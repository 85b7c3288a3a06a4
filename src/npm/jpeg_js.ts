// jpeg-js, its version written once (decode.ts's JPEG decoder for the in-process path).
export { default } from "npm:jpeg-js@0.4.4";
