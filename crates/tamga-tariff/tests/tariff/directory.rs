//! A bundle in a directory, for the tests: the tariff crate reads no files itself (the shell
//! does, in `tamga::catalogue`), so the test crate brings its own small reader.

use std::borrow::Cow;
use std::path::PathBuf;

use tamga_tariff::BundleSource;

pub struct DirectorySource {
    pub root: PathBuf,
}

impl BundleSource for DirectorySource {
    fn read(&self, path: &str) -> Result<Option<Cow<'static, [u8]>>, std::io::Error> {
        match std::fs::read(self.root.join(path)) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn file_name(&self, path: &str) -> String {
        self.root.join(path).display().to_string()
    }
}
