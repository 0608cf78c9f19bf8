/// The tool's version: `radtriage --version`, and part of the key under which the run state keeps a
/// study's result. Bump it whenever a change can alter a score or the evidence: the next run then
/// re-scores every study instead of trusting results computed by older code.
public enum RadtriageVersion {
    public static let current = "0.2.0"
}
