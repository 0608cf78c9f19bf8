/// The exit codes of `radtriage run`, kept here so that the run's own record in the state and the
/// process's exit status agree. The numbers follow BSD sysexits.h where one fits, and the shell's
/// 128 + signal for a run stopped by a signal, so that operators recognise them.
public enum RunExitCode {
    public static let success: Int32 = 0
    /// A study failed in this run (it is on the worklist with its reason).
    public static let studiesFailed: Int32 = 1
    public static let usage: Int32 = 64
    /// `merge`: the shard results are incomplete, inconsistent or damaged; nothing written: EX_DATAERR.
    public static let shardsRefused: Int32 = 65
    /// An output (worklist or state) could not be written: EX_CANTCREAT.
    public static let cannotWriteOutput: Int32 = 73
    /// The state database is not radtriage's, is damaged, or is from a newer version: EX_IOERR.
    public static let stateUnusable: Int32 = 74
    /// Another run holds the output folder: EX_TEMPFAIL.
    public static let anotherRunActive: Int32 = 75
    public static let configuration: Int32 = 78

    /// 130 for SIGINT, 143 for SIGTERM.
    public static func stopped(by signal: Int32) -> Int32 { 128 + signal }
}
