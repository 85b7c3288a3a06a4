// fflate, its version written once (png.ts inflates image data 4 KB at a time with it).
export { Unzlib } from "npm:fflate@0.8.3";
