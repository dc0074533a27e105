// One mocha run for every layer. Root hooks in test/hooks start the real services (influxd,
// mosquitto) once for the run; see scripts/services.ts.
module.exports = {
  require: ["tsx/cjs", "test/hooks/services.ts"],
  extension: ["ts"],
  spec: [
    "test/lib/**/*.test.ts",
    "test/sim/**/*.test.ts",
    "test/nodes/**/*.test.ts",
    "test/integration/**/*.test.ts",
    "test/package/**/*.test.ts",
  ],
  timeout: 20000,
  forbidOnly: true,
  forbidPending: true,
  reporter: "spec",
};
