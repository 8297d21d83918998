//! The program's own directories (never the AWS ones): settings, the catalog
//! cache, backups and lock files, favourites.

use std::path::PathBuf;

/// Where uo-aws-tui keeps its own files. From
/// `directories::ProjectDirs::from("", "", "uo-aws-tui")` in normal runs;
/// tests and the demo pass explicit directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDirs {
    /// Settings (`settings.ini`): `~/.config/uo-aws-tui` on Linux,
    /// `~/Library/Application Support/uo-aws-tui` on macOS.
    pub config_dir: PathBuf,
    /// Caches (catalog, demo files): `~/.cache/uo-aws-tui` on Linux,
    /// `~/Library/Caches/uo-aws-tui` on macOS.
    pub cache_dir: PathBuf,
    /// Data (backups, locks, favourites): `~/.local/share/uo-aws-tui` on
    /// Linux, `~/Library/Application Support/uo-aws-tui` on macOS.
    pub data_dir: PathBuf,
}

impl AppDirs {
    /// The platform's directories for this user; `None` without a home directory.
    pub fn from_env() -> Option<AppDirs> {
        let dirs = directories::ProjectDirs::from("", "", "uo-aws-tui")?;
        Some(AppDirs {
            config_dir: dirs.config_dir().to_path_buf(),
            cache_dir: dirs.cache_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// All three under one root (`root/config`, `root/cache`, `root/data`), for tests.
    pub fn under(root: &std::path::Path) -> AppDirs {
        AppDirs {
            config_dir: root.join("config"),
            cache_dir: root.join("cache"),
            data_dir: root.join("data"),
        }
    }

    /// Backups of the AWS config file: `<data dir>/backups`.
    pub fn backups(&self) -> PathBuf {
        self.data_dir.join("backups")
    }
}
