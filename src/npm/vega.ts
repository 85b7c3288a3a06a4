// Vega and Vega-Lite, their versions written once: the charts of figures.ts and of the page.
export * as vega from "npm:vega@6.2.0";
export * as vl from "npm:vega-lite@6.4.1";
