internal import COpenSSL

/// Creation and inspection of self-signed server certificates, for first start and for tests.
public enum SelfSignedCertificate {
    /// Creates an ECDSA P-256 key and a self-signed X.509 v3 certificate for it.
    ///
    /// The certificate is signed with SHA-256, has a random serial number, is valid for `validDays`
    /// days counted from one hour ago, and carries basicConstraints CA:FALSE, keyUsage digitalSignature,
    /// extendedKeyUsage serverAuth and a subjectAltName with every DNS name and IP address given.
    ///
    /// - Parameters:
    ///   - commonName: The subject and issuer common name.
    ///   - dnsNames: Host names for the subjectAltName.
    ///   - ipAddresses: IPv4 or IPv6 addresses for the subjectAltName.
    ///   - validDays: Validity period in days, at least 1.
    /// - Returns: The certificate and the unencrypted PKCS #8 private key, both as PEM text.
    /// - Throws: `TLSError.invalidConfiguration` for an unusable name, address or period.
    public static func generate(
        commonName: String,
        dnsNames: [String],
        ipAddresses: [String],
        validDays: Int = 825
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        try validate(commonName: commonName, dnsNames: dnsNames, ipAddresses: ipAddresses, validDays: validDays)

        guard let key = OpenSSL.call({ sealcast_generate_ec_p256_key() }) else {
            throw .internalError("Cannot generate an EC P-256 key.", openSSLErrors: OpenSSL.takeErrors())
        }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else {
            throw .internalError("Cannot allocate an X.509 certificate.", openSSLErrors: OpenSSL.takeErrors())
        }
        defer { X509_free(certificate) }

        try fillFields(certificate, key: key, commonName: commonName, validDays: validDays)
        var extensions: [(nid: Int32, value: String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_key_identifier, "hash"),
        ]
        let alternativeNames = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        if !alternativeNames.isEmpty {
            extensions.append((NID_subject_alt_name, alternativeNames.joined(separator: ",")))
        }
        for (nid, value) in extensions {
            try addExtension(certificate, nid: nid, value: value)
        }

        guard OpenSSL.call({ X509_sign(certificate, key, EVP_sha256()) }) > 0 else {
            throw .internalError("Cannot sign the certificate.", openSSLErrors: OpenSSL.takeErrors())
        }
        let certificatePEM = try pem { PEM_write_bio_X509($0, certificate) }
        let privateKeyPEM = try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        return (certificatePEM, privateKeyPEM)
    }

    /// Computes the SHA-256 fingerprint of the first certificate in a PEM file, over its DER form.
    ///
    /// - Parameter certificatePEMFile: Path of a PEM file. Only its first certificate is used.
    /// - Returns: Uppercase hex pairs joined by colons, as in `"AB:CD:…"`.
    /// - Throws: `TLSError.certificateFileUnreadable` naming the path.
    public static func fingerprintSHA256(certificatePEMFile: String) throws(TLSError) -> String {
        guard let file = OpenSSL.call({ BIO_new_file(certificatePEMFile, "r") }) else {
            throw .certificateFileUnreadable(path: certificatePEMFile, openSSLErrors: OpenSSL.takeErrors())
        }
        defer { BIO_free(file) }
        guard let certificate = OpenSSL.call({ PEM_read_bio_X509(file, nil, nil, nil) }) else {
            throw .certificateFileUnreadable(path: certificatePEMFile, openSSLErrors: OpenSSL.takeErrors())
        }
        defer { X509_free(certificate) }
        guard let digest = OpenSSL.sha256Fingerprint(of: certificate) else {
            throw .internalError("Cannot hash the certificate in '\(certificatePEMFile)'.")
        }
        return formatFingerprint(digest)
    }

    /// Formats bytes as uppercase hex pairs joined by colons.
    public static func formatFingerprint(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return digest.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]]) }.joined(separator: ":")
    }
}

// MARK: - Building the certificate

extension SelfSignedCertificate {
    /// Rejects values that would be misread inside OpenSSL's extension syntax or make no certificate.
    private static func validate(
        commonName: String,
        dnsNames: [String],
        ipAddresses: [String],
        validDays: Int
    ) throws(TLSError) {
        guard validDays >= 1, validDays <= 36_500 else {
            throw .invalidConfiguration("The certificate validity of \(validDays) days is out of range. Use 1 to 36500.")
        }
        guard !commonName.isEmpty, commonName.utf8.count <= 64 else {
            throw .invalidConfiguration("The common name '\(commonName)' must have 1 to 64 bytes.")
        }
        // A comma would split the subjectAltName list, so it cannot appear inside a name.
        for name in dnsNames where name.isEmpty || name.contains(",") || name.contains(where: \.isWhitespace) {
            throw .invalidConfiguration("The DNS name '\(name)' is not a valid host name. Remove it or fix its spelling.")
        }
        for address in ipAddresses where !TLSSession.isIPAddress(address) {
            throw .invalidConfiguration("'\(address)' is not an IPv4 or IPv6 address. Remove it or fix it.")
        }
    }

    /// Sets version, serial number, validity, subject, issuer and public key.
    private static func fillFields(
        _ certificate: OpaquePointer,
        key: OpaquePointer,
        commonName: String,
        validDays: Int
    ) throws(TLSError) {
        // version: the value 2 means X.509 v3
        guard X509_set_version(certificate, 2) == 1 else {
            throw .internalError("Cannot set the certificate version.", openSSLErrors: OpenSSL.takeErrors())
        }

        // serial: 16 random bytes with the top bit clear, so it stays a positive 128-bit number
        var serial = Crypto.randomBytes(count: 16)
        serial[0] &= 0x7F
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else {
            throw .internalError("Cannot build the serial number.", openSSLErrors: OpenSSL.takeErrors())
        }
        defer { BN_free(number) }
        guard OpenSSL.call({ BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) }) != nil else {
            throw .internalError("Cannot set the serial number.", openSSLErrors: OpenSSL.takeErrors())
        }

        // validity: from one hour ago, to tolerate clocks that lag behind, for exactly validDays days,
        // because checkers such as testssl.sh flag a period even one hour over 825 days
        guard X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nil,
            X509_gmtime_adj(X509_getm_notAfter(certificate), validDays * 86_400 - 3600) != nil
        else {
            throw .internalError("Cannot set the validity period.", openSSLErrors: OpenSSL.takeErrors())
        }

        // subject and issuer are the same name
        let name = X509_get_subject_name(certificate)
        guard OpenSSL.call({ X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) }) == 1,
            X509_set_issuer_name(certificate, name) == 1,
            X509_set_pubkey(certificate, key) == 1
        else {
            throw .internalError("Cannot set the subject, issuer or public key.", openSSLErrors: OpenSSL.takeErrors())
        }
    }

    /// Adds one extension written in OpenSSL's configuration syntax, such as `"critical,CA:FALSE"`.
    private static func addExtension(_ certificate: OpaquePointer, nid: Int32, value: String) throws(TLSError) {
        var context = X509V3_CTX()
        sealcast_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
        guard let newExtension = OpenSSL.call({ X509V3_EXT_nconf_nid(nil, &context, nid, value) }) else {
            throw .invalidConfiguration(
                "OpenSSL rejected the certificate extension value '\(value)'.",
                openSSLErrors: OpenSSL.takeErrors()
            )
        }
        defer { X509_EXTENSION_free(newExtension) }
        guard X509_add_ext(certificate, newExtension, -1) == 1 else {
            throw .internalError("Cannot add a certificate extension.", openSSLErrors: OpenSSL.takeErrors())
        }
    }

    /// Runs a `PEM_write_bio_*` function into a memory BIO and returns the text it wrote.
    private static func pem(_ write: (OpaquePointer) -> Int32) throws(TLSError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw .internalError("Cannot create a memory BIO.", openSSLErrors: OpenSSL.takeErrors())
        }
        defer { BIO_free(bio) }
        guard OpenSSL.call({ write(bio) }) == 1 else {
            throw .internalError("Cannot write PEM text.", openSSLErrors: OpenSSL.takeErrors())
        }
        return OpenSSL.drainMemoryBIO(bio)
    }
}
