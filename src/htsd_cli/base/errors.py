"""The project's exceptions. The CLI catches `HtsdError` once and prints its message in Vietnamese."""


class HtsdError(Exception):
    """Base of every error htsd reports to the user (message already in Vietnamese)."""

    exit_code = 1


class UsageError(HtsdError):
    """The command was typed without something it needs, or names a path that is not there:
    nothing was read or written (exit status 2, as for a mistyped option)."""

    exit_code = 2


class FormError(HtsdError):
    """A form definition file is missing or wrong."""


class ConfigError(HtsdError):
    """The configuration file (htsd.toml) is missing or wrong."""


class ConfigMissing(UsageError, ConfigError):
    """No htsd.toml where htsd looked (or --config names a file that is not there): the command
    was typed without something it needs, so it is a usage error (exit status 2)."""


class RosterError(HtsdError):
    """The roster of units is unreadable or wrong."""


class ReadError(HtsdError):
    """A returned workbook cannot be opened or read."""


class OutputError(HtsdError):
    """An output file or folder cannot be written."""


_OS_REASONS = {
    "ENOENT": "không tìm thấy",
    "EACCES": "không có quyền truy cập",
    "EPERM": "không được phép",
    "EISDIR": "đây là một thư mục",
    "ENOTDIR": "đường dẫn không phải thư mục",
    "ENOSPC": "ổ đĩa đã đầy",
    "EROFS": "ổ đĩa chỉ cho đọc",
    "ELOOP": "liên kết tượng trưng vòng lặp",
    "ENAMETOOLONG": "tên quá dài",
    "EDQUOT": "đã hết dung lượng được cấp trên ổ đĩa",
    "EFBIG": "tệp vượt cỡ ổ đĩa cho phép",
    "EIO": "ổ đĩa báo lỗi đọc ghi",
    "EBUSY": "tệp hoặc thư mục đang được dùng",
}


def os_reason(exc: OSError) -> str:
    """A Vietnamese reason for an operating-system error."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name, f"lỗi hệ thống {name or exc.__class__.__name__}")


def os_error_message(exc: OSError) -> str:
    """An operating-system error that reached the command's end, told in Vietnamese with the
    path it concerns (the last resort: the places that write say more)."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n]
    where = f" {' → '.join(names)}" if names else ""
    return (
        f"Không đọc hoặc ghi được{where}: {os_reason(exc)}. Hãy sửa điều đó (ví dụ giải phóng chỗ "
        "trên ổ đĩa) rồi chạy lại; chạy với --debug ngay sau 'htsd' để xem chi tiết."
    )


def read_reason(exc: Exception) -> str:
    """Why a text file could not be read, in Vietnamese."""
    if isinstance(exc, UnicodeDecodeError):
        return "tệp không ở dạng chữ UTF-8 (hãy lưu lại với bảng mã UTF-8)"
    if isinstance(exc, OSError):
        return os_reason(exc)
    return exc.__class__.__name__
