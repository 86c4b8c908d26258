import Testing

@Test func FLVModuleBuilds() {
    #expect(Bool(true))
}
