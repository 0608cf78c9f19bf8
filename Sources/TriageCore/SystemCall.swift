import Glibc

/// A system call that failed: which call, on which file, and errno, in words when printed.
public struct SystemCallError: UserFacingError, Equatable {
    /// The call, such as `open` or `rename`.
    public let call: String
    public let path: String?
    public let errno: Int32

    public init(_ call: String, path: String?, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var file: String? { path }
    /// errno's text, such as "No space left on device".
    public var what: String { SystemCall.text(of: errno) }
    public var description: String { located }
}

/// The one wrapper around raw system calls: a call interrupted by a signal (EINTR) is made again, and a
/// failure becomes a `SystemCallError` naming the call, the file and errno. Signals are routine here
/// (the run stops on SIGTERM after the studies in progress), so no call may fail just because one arrived.
public enum SystemCall {
    /// Calls `body` until it is not interrupted; a negative result throws with errno.
    @discardableResult
    public static func retrying<Result: BinaryInteger>(
        _ call: String, path: String? = nil, _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code != EINTR { throw SystemCallError(call, path: path, errno: code) }
        }
    }

    /// For calls that return the error number instead of setting errno (`posix_spawn`): 0 is success.
    public static func checking(_ call: String, path: String? = nil, _ body: () -> Int32) throws(SystemCallError) {
        while true {
            let code = body()
            if code == 0 { return }
            if code != EINTR { throw SystemCallError(call, path: path, errno: code) }
        }
    }

    /// errno's text, such as "No such file or directory".
    public static func text(of code: Int32) -> String {
        String(cString: strerror(code))
    }
}
