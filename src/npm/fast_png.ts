// fast-png, its version written once (the notebook's PNG pictures).
export { encode } from "npm:fast-png@8.0.0";
