<?cs # What an uploaded file would add to your contacts, and its bad
     rows by line; confirming adds the good ones. ?>
<?cs include:"contacts-macros.cs" ?>
<?cs set:Page.Title = Lang.addressbook.import.preview ?>
<?cs set:Page.Nav = "contacts" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="import-page">
<?cs call:ct_tabs("contacts") ?>
  <p class="back"><a href="<?cs var:Page.Base ?>/contacts"><?cs var:Lang.contacts.back ?></a></p>
<?cs set:Import.Path = "/contacts/import" ?>
<?cs def:import_post_fields() ?><?cs call:ct_csrf() ?><?cs /def ?>
<?cs include:"abook-import-preview.cs" ?>
</section>
<?cs include:"footer.cs" ?>
