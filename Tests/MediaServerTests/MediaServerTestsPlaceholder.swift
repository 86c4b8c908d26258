import Testing

@Test func MediaServerModuleBuilds() {
    #expect(Bool(true))
}
