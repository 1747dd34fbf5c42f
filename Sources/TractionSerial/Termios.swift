#if canImport(Glibc)
import Glibc
#endif

/// Raw-mode 8N1 line settings through termios(3), for pseudo-terminals and
/// any terminal libserialport will not open.
enum Termios {
    /// The termios speed constant for a rate in bit/s, if the kernel has one.
    static func speed(forBaudRate rate: Int) -> speed_t? {
        let table: [Int: Int32] = [
            9_600: B9600, 19_200: B19200, 38_400: B38400, 57_600: B57600, 115_200: B115200,
            230_400: B230400, 460_800: B460800, 500_000: B500000, 576_000: B576000, 921_600: B921600,
            1_000_000: B1000000, 1_152_000: B1152000, 1_500_000: B1500000, 2_000_000: B2000000,
            3_000_000: B3000000, 4_000_000: B4000000,
        ]
        return table[rate].map { speed_t($0) }
    }

    /// Puts the terminal in raw mode: no echo, no line editing, no signals,
    /// no CR/LF translation, no software flow control, 8 data bits, no
    /// parity, one stop bit, receiver on, modem lines ignored. Reads return
    /// whatever is there (VMIN 0, VTIME 0); waiting is done with poll.
    static func configureRaw8N1(_ descriptor: Int32, baudRate: Int, path: String) throws(SerialPortError) {
        guard let speed = speed(forBaudRate: baudRate) else {
            throw .unsupportedBaudRate(path: path, baudRate: baudRate)
        }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else {
            throw errno == ENOTTY ? .notATerminal(path: path) : .configurationFailed(path: path, reason: "tcgetattr: \(DeviceFile.errorText(errno))")
        }
        cfmakeraw(&settings)
        settings.c_cflag &= ~(tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        settings.c_cflag |= tcflag_t(CS8) | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        withUnsafeMutableBytes(of: &settings.c_cc) { controlCharacters in
            controlCharacters[Int(VMIN)] = 0
            controlCharacters[Int(VTIME)] = 0
        }
        guard cfsetispeed(&settings, speed) == 0, cfsetospeed(&settings, speed) == 0 else {
            throw .unsupportedBaudRate(path: path, baudRate: baudRate)
        }
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else {
            throw .configurationFailed(path: path, reason: "tcsetattr: \(DeviceFile.errorText(errno))")
        }
        // Bytes queued before we owned the line belong to nobody.
        _ = tcflush(descriptor, TCIOFLUSH)
    }
}
